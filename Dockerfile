# The sglbench GitHub App (Probot). Build: docker build -t sglbench-app .
# Run:   docker run -p 3000:3000 -e APP_ID=… -e PRIVATE_KEY="$(cat key.pem)" -e WEBHOOK_SECRET=… sglbench-app
# GitHub Enterprise Server: add -e GHE_HOST=github.example.com (and GHE_PROTOCOL=http only for tests).
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the App needs none of the native add-ons (dockerode/ssh2, resvg) at run time,
# and the image's own Node 24 runs the build (the `node` devDependency's binary is not fetched).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
# The same bundler and options as dist/ (scripts/build.mjs); only dist/app.js is copied below.
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LOG_FORMAT=json
COPY --from=build /src/dist/app.js /src/dist/package.json ./dist/
COPY app.yml ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM stops the server and lets queued acknowledgements finish (src/app/server.ts).
CMD ["node", "dist/app.js"]
