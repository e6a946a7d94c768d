export { until } from "../../support/until";
