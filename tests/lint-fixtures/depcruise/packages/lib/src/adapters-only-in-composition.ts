export { dynamodb } from "../../store/src/dynamodb/index";
