export { MembershipCache, type MemberReads, type MembershipCacheOptions, type MembershipCacheObserver, type ReadKind, type ReadOutcome, type ClearReason } from "./membership-cache";
export { MembershipInvalidator, type InvalidatorOptions, type InvalidatorLogger } from "./invalidator";
export { withMembershipCache, withMembershipInvalidation } from "./cached-store";
export { changeOf, MEMBERSHIP_TOPICS, type MembershipChangeSet } from "./membership-events";
