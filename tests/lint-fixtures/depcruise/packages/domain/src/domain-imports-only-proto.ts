export { proto } from "../../proto/src/index";
export { port } from "../../store/src/index";
