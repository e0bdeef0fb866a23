// Preload (`NODE_OPTIONS=--import …/cpu-profile.mjs`, CPU_PROFILE_DIR=…): Node 20 refuses --cpu-prof in
// NODE_OPTIONS, so this starts the V8 profiler itself and writes a .cpuprofile when the process exits.
import { writeFileSync } from "node:fs";
import inspector from "node:inspector";

const session = new inspector.Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: 1000 });
session.post("Profiler.start");
process.on("exit", () => {
  // Same-thread sessions answer synchronously, so the profile is written before the process ends.
  session.post("Profiler.stop", (error, result) => {
    if (!error) writeFileSync(`${process.env.CPU_PROFILE_DIR ?? "."}/fleet-${process.pid}.cpuprofile`, JSON.stringify(result.profile));
  });
});
