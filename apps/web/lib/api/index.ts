export * from "./errors";
export * from "./handler";
export * from "./origin";
export * from "./rate-limit";
export * from "./read-route";
