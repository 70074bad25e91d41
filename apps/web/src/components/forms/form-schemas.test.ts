import { describe, expect, it } from 'vitest';
import {
  addPortMappingFormSchema,
  createInstanceFormSchema,
  ZAddNodeForm,
  ZClusterPlanForm,
  ZEditPortsForm,
} from './form-schemas';

const node = { id: 'node1', subnet: '10.0.1.0/24', nodeIpAddr: '10.0.1.1' };
const createInstance = createInstanceFormSchema({ nodes: [node] });
const form = {
  nodeId: 'node1',
  instanceId: ' web-1 ',
  addressMode: 'allocate' as const,
  ipAddr: '',
  ports: [] as { hostPort: string; instancePort: string; protocol: 'tcp' | 'udp' }[],
};

/** The first problem of a refused form: its field path and message, as the form shows it. */
const firstIssue = (result: { error?: { issues: { path: PropertyKey[]; message: string }[] } }) => {
  const issue = result.error?.issues[0];
  return issue && { field: issue.path.join('.'), message: issue.message };
};

describe('the create-instance form', () => {
  it('gives the API request: trimmed id, numbers for ports, an address only when one is chosen', () => {
    expect(
      createInstance.parse({ ...form, ports: [{ hostPort: '8080', instancePort: ' 80', protocol: 'tcp' }] }),
    ).toEqual({
      nodeId: 'node1',
      instanceId: 'web-1',
      ports: [{ hostPort: 8080, instancePort: 80, protocol: 'tcp' }],
    });
    expect(createInstance.parse({ ...form, ipAddr: '10.0.1.9' })).not.toHaveProperty('ipAddr');
    expect(createInstance.parse({ ...form, addressMode: 'choose', ipAddr: ' 10.0.1.9 ' })).toMatchObject({
      ipAddr: '10.0.1.9',
    });
  });

  it("refuses an id with netcore's message", () => {
    expect(firstIssue(createInstance.safeParse({ ...form, instanceId: '-x' }))).toEqual({
      field: 'instanceId',
      message: 'must start with a letter or digit, then only letters, digits, ".", "_" or "-"',
    });
  });

  it("refuses a chosen address netcore would refuse on the node, under the address's field", () => {
    const address = (ipAddr: string) =>
      firstIssue(createInstance.safeParse({ ...form, addressMode: 'choose', ipAddr }));
    expect(address('10.0.2.7')).toEqual({
      field: 'ipAddr',
      message: "10.0.2.7 is not in the node's subnet 10.0.1.0/24",
    });
    expect(address('10.0.1.255')?.message).toMatch(/network or broadcast address/);
    expect(address('10.0.1.0')?.message).toMatch(/network or broadcast address/);
    expect(address('10.0.1.1')?.message).toMatch(/must not be the node address/);
    expect(address('10.0.1.300')).toEqual({
      field: 'ipAddr',
      message: 'must be an IPv4 address such as 10.0.0.1',
    });
    expect(address('10.0.1.7')).toBeUndefined();
  });

  it('names the port field at fault, with the path the API uses', () => {
    const ports = (rows: typeof form.ports) => firstIssue(createInstance.safeParse({ ...form, ports: rows }));
    expect(ports([{ hostPort: '0', instancePort: '80', protocol: 'tcp' }])).toEqual({
      field: 'ports.0.hostPort',
      message: 'must be 1-65535',
    });
    expect(ports([{ hostPort: '80', instancePort: 'http', protocol: 'tcp' }])).toEqual({
      field: 'ports.0.instancePort',
      message: 'must be a number',
    });
    expect(
      ports([
        { hostPort: '53', instancePort: '53', protocol: 'udp' },
        { hostPort: '53', instancePort: '5353', protocol: 'udp' },
      ]),
    ).toEqual({ field: 'ports.1.hostPort', message: 'host port udp/53 is listed twice' });
    expect(
      ports([
        { hostPort: '53', instancePort: '53', protocol: 'udp' },
        { hostPort: '53', instancePort: '53', protocol: 'tcp' },
      ]),
    ).toBeUndefined();
  });

  it('asks for a node that exists', () => {
    expect(firstIssue(createInstance.safeParse({ ...form, nodeId: 'node9' }))).toEqual({
      field: 'nodeId',
      message: 'choose a node',
    });
  });
});

describe('the port mapping forms', () => {
  it('edits the whole list with the same checks', () => {
    expect(
      ZEditPortsForm.parse({ ports: [{ hostPort: '443', instancePort: '8443', protocol: 'tcp' }] }),
    ).toEqual({ ports: [{ hostPort: 443, instancePort: 8443, protocol: 'tcp' }] });
  });

  it("adds one mapping to the instance's list, and a clash with one of them is the new mapping's", () => {
    const schema = addPortMappingFormSchema({
      instances: [{ id: 'web-1', portMappings: [{ hostPort: 8080, instancePort: 80, protocol: 'tcp' }] }],
    });
    expect(
      schema.parse({
        instanceId: 'web-1',
        mapping: { hostPort: '9090', instancePort: '90', protocol: 'tcp' },
      }),
    ).toEqual({
      instanceId: 'web-1',
      ports: [
        { hostPort: 8080, instancePort: 80, protocol: 'tcp' },
        { hostPort: 9090, instancePort: 90, protocol: 'tcp' },
      ],
    });
    expect(
      firstIssue(
        schema.safeParse({
          instanceId: 'web-1',
          mapping: { hostPort: '8080', instancePort: '81', protocol: 'tcp' },
        }),
      ),
    ).toEqual({ field: 'mapping.hostPort', message: 'host port tcp/8080 is listed twice' });
    expect(
      firstIssue(
        schema.safeParse({
          instanceId: 'web-1',
          mapping: { hostPort: '70000', instancePort: '81', protocol: 'tcp' },
        }),
      ),
    ).toEqual({ field: 'mapping.hostPort', message: 'must be 1-65535' });
  });
});

describe('the node and address-plan forms', () => {
  it('leaves out the optional fields left empty, and checks addresses as netcore does', () => {
    expect(
      ZAddNodeForm.parse({
        agentUrl: ' http://10.1.2.3:7070 ',
        agentToken: 'secret',
        externalIpAddr: '198.51.100.11',
        name: ' ',
        subnet: '',
      }),
    ).toEqual({ agentUrl: 'http://10.1.2.3:7070', agentToken: 'secret', externalIpAddr: '198.51.100.11' });
    expect(
      firstIssue(
        ZAddNodeForm.safeParse({
          agentUrl: 'http://x',
          agentToken: 't',
          externalIpAddr: '198.51.100',
          name: '',
          subnet: '',
        }),
      ),
    ).toEqual({ field: 'externalIpAddr', message: 'must be an IPv4 address such as 10.0.0.1' });
    expect(
      firstIssue(
        ZAddNodeForm.safeParse({
          agentUrl: 'http://x',
          agentToken: 't',
          externalIpAddr: '198.51.100.1',
          name: '',
          subnet: '10.0.5.0',
        }),
      )?.field,
    ).toBe('subnet');
  });

  it('reads the prefix length as a number', () => {
    expect(ZClusterPlanForm.parse({ clusterCidr: '10.0.0.0/16', nodePrefixLength: '24' })).toEqual({
      clusterCidr: '10.0.0.0/16',
      nodePrefixLength: 24,
    });
    expect(
      firstIssue(ZClusterPlanForm.safeParse({ clusterCidr: '10.0.0.0/16', nodePrefixLength: 'x' }))?.field,
    ).toBe('nodePrefixLength');
  });
});
