export { wiring } from "../../../packages/wiring/src/index";
