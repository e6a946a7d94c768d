export { nodeOnly } from "./node/index";
