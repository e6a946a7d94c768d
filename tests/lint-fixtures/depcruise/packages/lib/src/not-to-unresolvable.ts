export { missing } from "./no-such-file";
