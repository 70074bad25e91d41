import { describe, expect, it } from 'vitest';
import { readAgentCounters } from './agent-counters.js';
import { parseExposition } from './parse-exposition.js';

/** What an agent's /metrics says after two setupInstance calls (one failed) and a health query (prom-client 15). */
const agentExposition = `# HELP kudo_agent_operations_total Operations run by the agent, by procedure, kind (query or mutation) and result
# TYPE kudo_agent_operations_total counter
kudo_agent_operations_total{operation="setupInstance",type="mutation",result="success",node_id="node1"} 1
kudo_agent_operations_total{operation="setupInstance",type="mutation",result="error",node_id="node1"} 1
kudo_agent_operations_total{operation="health",type="query",result="success",node_id="node1"} 1
# HELP kudo_agent_operation_errors_total Failed operations by procedure and error code (netcore code, or the tRPC code)
# TYPE kudo_agent_operation_errors_total counter
kudo_agent_operation_errors_total{operation="setupInstance",code="CONFLICT",node_id="node1"} 1
# TYPE kudo_agent_operation_duration_seconds histogram
kudo_agent_operation_duration_seconds_bucket{le="0.01",node_id="node1",operation="setupInstance",type="mutation"} 0
kudo_agent_operation_duration_seconds_bucket{le="0.05",node_id="node1",operation="setupInstance",type="mutation"} 1
kudo_agent_operation_duration_seconds_bucket{le="0.25",node_id="node1",operation="setupInstance",type="mutation"} 2
kudo_agent_operation_duration_seconds_bucket{le="+Inf",node_id="node1",operation="setupInstance",type="mutation"} 2
kudo_agent_operation_duration_seconds_sum{node_id="node1",operation="setupInstance",type="mutation"} 0.23
kudo_agent_operation_duration_seconds_count{node_id="node1",operation="setupInstance",type="mutation"} 2
kudo_agent_operation_duration_seconds_bucket{le="0.01",node_id="node1",operation="health",type="query"} 1
kudo_agent_operation_duration_seconds_bucket{le="0.05",node_id="node1",operation="health",type="query"} 1
kudo_agent_operation_duration_seconds_bucket{le="0.25",node_id="node1",operation="health",type="query"} 1
kudo_agent_operation_duration_seconds_bucket{le="+Inf",node_id="node1",operation="health",type="query"} 1
kudo_agent_operation_duration_seconds_sum{node_id="node1",operation="health",type="query"} 0.001
kudo_agent_operation_duration_seconds_count{node_id="node1",operation="health",type="query"} 1
kudo_agent_process_start_time_seconds{node_id="node1"} 1796000000
`;

describe('parseExposition', () => {
  it('reads every sample with its labels and value, skipping comments', () => {
    const samples = parseExposition({ text: agentExposition });
    expect(samples).toHaveLength(17);
    expect(samples[0]).toEqual({
      name: 'kudo_agent_operations_total',
      labels: { operation: 'setupInstance', type: 'mutation', result: 'success', node_id: 'node1' },
      value: 1,
    });
    expect(samples.at(-1)).toEqual({
      name: 'kudo_agent_process_start_time_seconds',
      labels: { node_id: 'node1' },
      value: 1796000000,
    });
  });

  it('reads label values with escapes, commas and braces, special values and timestamps', () => {
    const samples = parseExposition({
      text: [
        'plain 3.5',
        'inf{le="+Inf"} +Inf',
        'nan NaN',
        'stamped{a="1"} 7 1700000000000',
        String.raw`escaped{path="C:\\dir",quote="say \"hi\"",text="a,b}c",line="x\ny",} 2`,
      ].join('\n'),
    });
    expect(samples).toEqual([
      { name: 'plain', labels: {}, value: 3.5 },
      { name: 'inf', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY },
      { name: 'nan', labels: {}, value: Number.NaN },
      { name: 'stamped', labels: { a: '1' }, value: 7 },
      {
        name: 'escaped',
        labels: { path: 'C:\\dir', quote: 'say "hi"', text: 'a,b}c', line: 'x\ny' },
        value: 2,
      },
    ]);
  });

  it('skips lines that are not samples', () => {
    const samples = parseExposition({
      text: ['no_value', 'bad{label} 1', 'bad_value{a="1"} one', '9starts_with_digit 1', 'good 1'].join('\n'),
    });
    expect(samples).toEqual([{ name: 'good', labels: {}, value: 1 }]);
  });
});

describe('readAgentCounters', () => {
  it('adds up operations, errors and latency buckets over every operation of the agent', () => {
    expect(readAgentCounters({ samples: parseExposition({ text: agentExposition }) })).toEqual({
      operations: 3,
      errors: 1,
      buckets: [
        { le: 0.01, count: 1 },
        { le: 0.05, count: 2 },
        { le: 0.25, count: 3 },
        { le: Number.POSITIVE_INFINITY, count: 3 },
      ],
    });
  });

  it('reads an agent that ran nothing as zeros', () => {
    expect(readAgentCounters({ samples: [] })).toEqual({ operations: 0, errors: 0, buckets: [] });
  });
});
