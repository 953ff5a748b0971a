export { GlobalLoadBalancer, type GlobalLoadBalancerArgs } from "./load-balancer.ts";
export { armorRules, WAF_RULE_SETS, type ArmorRule, type ArmorOptions } from "./armor.ts";
