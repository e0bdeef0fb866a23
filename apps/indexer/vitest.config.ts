import { serviceTestConfig } from "../../scripts/vitest-service.mjs";

export default serviceTestConfig();
