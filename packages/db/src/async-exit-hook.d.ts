declare module "async-exit-hook" {
  /** Runs `hook` before the process exits (signals included); an async hook calls `done` when finished. */
  function exitHook(hook: (done: () => void) => void): void;
  export default exitHook;
}
