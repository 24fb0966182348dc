// glibc's powf and expf (libm.ts) against values glibc 2.36 (x86-64, FMA variant) returned for the same float
// arguments, chosen among 3 million random ones where Math.pow / Math.exp rounded to float give another result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expf, fma, powf } from './libm.js';

const buf = new DataView(new ArrayBuffer(4));
const float = (bits: number): number => (buf.setUint32(0, bits), buf.getFloat32(0));

/** [x, y, powf(x, y)] as float bit patterns. */
const POWF: [number, number, number][] = [
  [0x5888e800, 0x40000000, 0x71926ea5], [0x48997168, 0x3e99999a, 0x42325674], [0x3a533496, 0x3e99999a, 0x3df1a55b],
  [0x4b73170d, 0x3e99999a, 0x4310c4c0], [0x6d6e1fd6, 0xbf400000, 0x1d072417], [0x251be486, 0xbf800000, 0x59d23227],
  [0x09321f69, 0xbf800000, 0x75b7f68d], [0x010d5277, 0xbf800000, 0x7de7de11], [0x533b4575, 0xbf400000, 0x30a1d255],
  [0x179fdea9, 0xbf800000, 0x674cf783], [0x68c6e3d1, 0xbf800000, 0x1624c125], [0x66785cee, 0xbf000000, 0x2c01f3fc],
  [0x38e22cdd, 0xbf800000, 0x4610e0fa], [0x1989e308, 0xbf800000, 0x656da4e7], [0x10a6b050, 0x3e99999a, 0x31713c79],
  [0x6cd8aec7, 0xbf800000, 0x121739c9], [0x1af9bfc3, 0xbe800000, 0x48992984], [0x0acae489, 0xbe800000, 0x4ca15413],
  [0x6eddfa00, 0xbf000000, 0x27c265d8], [0x47c6b7f1, 0xbf400000, 0x3938105e], [0x006e7d26, 0xbe800000, 0x4f3bcd0d],
  [0x600282d2, 0xbf400000, 0x27160446], [0x4f07a1da, 0x40000000, 0x5e8fb835], [0x2b875d78, 0xbf800000, 0x5372123d],
  [0x3651d3a0, 0xc0000000, 0x51be8844], [0x24d116c7, 0xbf000000, 0x4cc84c9e], [0x2239ed33, 0xbf800000, 0x5cb03ddc],
  [0x4fb47b2e, 0xc0000000, 0x1f00c3b6], [0x27bbb74e, 0xbf000000, 0x4b536511], [0x0196e178, 0xbf800000, 0x7d592d9c],
  [0x5a3b25f2, 0xc0000000, 0x09ef81d5], [0x73b8d2fd, 0xbe800000, 0x32698912], [0x06265215, 0x3e99999a, 0x2e43d094],
  [0x3b9b7e6e, 0xbe800000, 0x4073d85d], [0x47154cd2, 0xbe800000, 0x3d9278dd], [0x50a32914, 0xbf800000, 0x2e48d53e],
  [0x44dd4a6a, 0xbf800000, 0x3a1413a5], [0x1246ecb0, 0xbf400000, 0x615ab857], [0x7288a2c3, 0xbe800000, 0x32b216b5],
  [0x28e8354c, 0xbf400000, 0x50679bc0], [0x55a35968, 0xbf800000, 0x294899d3], [0x33b9baa7, 0xbf400000, 0x4841a2f9],
  [0x75d4b17c, 0xbe800000, 0x31e17a59], [0x1e604aa0, 0xbe800000, 0x47bb1a7a], [0x13efa3f9, 0xbf400000, 0x601ff28b],
  [0x3917ed6d, 0x3e99999a, 0x3d906cab], [0x392df119, 0xbf400000, 0x442b092a], [0x72728b47, 0xbf400000, 0x193c8012],
];
/** [x, expf(x)] as float bit patterns. */
const EXPF: [number, number][] = [
  [0x3f22d41a, 0x3ff1cad6], [0xc1fd9e25, 0x2899a2a3], [0xbdce3792, 0x3f677a69], [0xbba664b8, 0x3f7eb40f],
  [0xbec99673, 0x3f2cae95], [0xc1af240b, 0x2faabd66], [0x3c3c0a72, 0x3f817a3f], [0x3f63f6e3, 0x401bec8f],
  [0xbf90eae0, 0x3ea508ee], [0xbf23fec7, 0x3f06e7b1], [0x3e0bdad9, 0x3f92bb60], [0x3d01b974, 0x3f841e67],
  [0xc1a0390b, 0x3109c02e], [0x3b524a89, 0x3f806951], [0xbc17d9b7, 0x3f7da368], [0xc0f273a2, 0x3a064b5a],
  [0x40c5d03d, 0x43f1e649], [0xc2002c40, 0x285a7d24], [0xbb705028, 0x3f7f1021], [0x40b2fa94, 0x43864828],
  [0xbbdb5845, 0x3f7e4ac7], [0x3fc68203, 0x4096e4e7], [0xbb5f2ead, 0x3f7f2133], [0x40d759de, 0x44513a6f],
  [0x3bbfa6be, 0x3f80c037], [0xc1679dcb, 0x350aab89], [0x429d4437, 0x782e19a7], [0x400fc05c, 0x4117371c],
  [0x3d930237, 0x3f89869e], [0xc0b5effe, 0x3b5e7945], [0xbf74f09d, 0x3ec4ab92], [0xbea0d24f, 0x3f3afe4a],
];

test('powf equals glibc where the correctly rounded power does not', () => {
  let naive = 0;
  for (const [x, y, r] of POWF) {
    assert.equal(powf(float(x), float(y)), float(r), `powf(${float(x)}, ${float(y)})`);
    if (Math.fround(Math.pow(float(x), float(y))) !== float(r)) naive++;
  }
  assert.equal(naive, POWF.length);
});

test('expf equals glibc where the correctly rounded exponential does not', () => {
  for (const [x, r] of EXPF) assert.equal(expf(float(x)), float(r), `expf(${float(x)})`);
});

test('powf edge arguments: y = 0, x = 1, x = 0, infinity', () => {
  assert.equal(powf(5, 0), 1);
  assert.equal(powf(1, -0.5), 1);
  assert.equal(powf(Infinity, -1), 0);
  assert.equal(powf(0, -1), Infinity);
  assert.equal(powf(4, -0.5), 0.5);
});

test('fma rounds a·b + c once', () => {
  // (1 + 2^-30)(1 − 2^-30) − 1 = −2^-60 exactly; the separate product rounds to 1 and gives 0.
  const a = 1 + 2 ** -30;
  const b = 1 - 2 ** -30;
  assert.equal(a * b - 1, 0);
  assert.equal(fma(a, b, -1), -(2 ** -60));
  assert.equal(fma(3, 5, 7), 22);
  // a tail below half an ulp of the sum that a plain addition would lose: 1 + 2^-53 + 2^-80 rounds up
  assert.equal(fma(2 ** -53 + 2 ** -80, 1, 1), 1 + 2 ** -52);
});
