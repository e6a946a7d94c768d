export { fixture } from "../test/fixture";
