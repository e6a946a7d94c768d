export { startAllInOne, type AllInOne, type AllInOneRuntime } from "./all-in-one";
