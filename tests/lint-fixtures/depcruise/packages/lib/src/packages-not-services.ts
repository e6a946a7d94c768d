export { other } from "../../../services/other/src/index";
