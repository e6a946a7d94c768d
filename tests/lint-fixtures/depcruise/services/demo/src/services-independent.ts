export { other } from "../../other/src/index";
