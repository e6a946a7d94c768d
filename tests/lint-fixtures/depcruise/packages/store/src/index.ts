export { port } from "./port";
