export { port } from "../../store/src/port";
