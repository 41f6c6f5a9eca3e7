import { describe, expect, it } from 'vitest';
import { describeTarget } from '../src/store/redis.js';

describe('describeTarget: a Redis target for logs, never its password', () => {
  it.each([
    ['redis://:s3cret@10.0.0.5:6379/1', 'redis://***@10.0.0.5:6379/1'],
    ['redis://papo:s3cret@10.0.0.5:6379', 'redis://***@10.0.0.5:6379'],
    ['rediss://papo:s3c@r/et@redis.example:6380', 'rediss://***@redis.example:6380'],
    ['redis://10.0.0.5:6379?password=s3cret&db=2', 'redis://10.0.0.5:6379?password=***&db=2'],
    ['/run/redis/redis.sock?db=1&password=s3cret', '/run/redis/redis.sock?db=1&password=***'],
    ['unix:///data/redis/redis.sock?PASSWORD=s3cret', 'unix:///data/redis/redis.sock?PASSWORD=***'],
    ['/data/redis/redis.sock', '/data/redis/redis.sock'],
  ])('%s', (url, shown) => {
    expect(describeTarget({ url })).toBe(shown);
    expect(describeTarget({ url })).not.toContain('s3c');
  });

  it('a cluster: its nodes, without credentials', () => {
    const nodes = [{ host: '10.0.1.1', port: 6379, username: 'papo', password: 's3cret' }];
    expect(describeTarget({ clusterNodes: nodes })).toBe('cluster 10.0.1.1:6379');
  });
});
