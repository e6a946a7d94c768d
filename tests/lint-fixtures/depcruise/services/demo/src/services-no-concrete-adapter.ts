export { dynamodb } from "../../../packages/store/src/dynamodb/index";
