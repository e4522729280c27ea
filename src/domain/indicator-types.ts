/** The kinds of indicator the hub stores (domain.md), in the order the API lists them. */

export const INDICATOR_TYPES = [
  'IPV4',
  'IPV6',
  'CIDR',
  'DOMAIN',
  'URL',
  'EMAIL',
  'MD5',
  'SHA1',
  'SHA256',
  'PHONE',
  'SOCIAL_ACCOUNT',
] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];
