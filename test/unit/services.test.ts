/** /etc/services parsing for src_serv/dst_serv, as the original printed them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServices } from '../../src/ipcdump/services';

test('first name per port/proto wins; comments and aliases ignored', () => {
  const m = parseServices('# c\nhttp\t80/tcp\twww # web\nhttp\t80/udp\nrplay\t5555/udp\nbad line\n\nalt\t80/tcp\n');
  assert.equal(m.get('80/tcp'), 'http');
  assert.equal(m.get('80/udp'), 'http');
  assert.equal(m.get('5555/udp'), 'rplay');
  assert.equal(m.size, 3);
});
