// Test-only: the numeric extremes the policy fuzz tests send to every numeric option of the parser (engine level
// in policy_args.fuzz.test.ts, through a real server in loop/configuration_fuzz.test.ts). Not exported from the
// engine index; only *.test.ts files import this.
import { POLICY_OPTIONS } from './policy_args.js';

export const NUMERIC_EXTREMES = [
  '1e39', '-1e39', '3.5e38', '3.4e38', '-3.4e38', '1e-46', '-0', '0', 'NaN', 'nan', 'inf', '-inf', 'Infinity',
  '1e309', '-1', '1', '0.5', '2', '1e30', '-1e30', '99999999999999999999999', '4294967296', '2147483648',
  '0x10', '1e-310', '1e-30', '', ' ', '1,5', '+1', '.5', '5.',
];

/** A policy in which the option applies (gamma_* only with --squarecb), with the value given. */
export function policyWith(name: string, value: string): string {
  const base = name.startsWith('gamma_') ? '--cb_explore_adf --squarecb -q ::' : '--cb_explore_adf --cb_type dr -q ::';
  return `${base} --${name}=${value}`;
}

/** Every option taking a number, from the parser's own table: a new one is fuzzed without editing a test. */
export const NUMERIC_OPTIONS = POLICY_OPTIONS.filter((o) => !o.ignored && (o.kind === 'float' || o.kind === 'int'));

