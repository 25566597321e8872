/** The Action's entry (bundled to dist/index.js, action.yml `runs.main`): only starts run(). */
import { run } from "./run.js";

void run();
