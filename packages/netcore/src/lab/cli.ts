/**
 * The lab CLI: `npm run lab -- up --nodes 3 [--name NAME]`, `down [--name NAME]`, `status [--name NAME]`.
 * A lab is a set of namespaces named `kudo-lab-NAME-*`; nothing is created in the machine's own namespace.
 */
import { parseArgs } from 'node:util';
import { createLab, createLabPrefix, describeLab, destroyLab, listLabs } from './lab.js';

const usage = `usage: npm run lab -- <command> [options]
  up     [--nodes N] [--name NAME]   build a lab of N nodes (default 3) joined by an underlay, plus an outside client
  down   [--name NAME]               remove a lab (every lab when no name is given)
  status [--name NAME]               list what each lab holds`;

const fail = (message: string): never => {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
};

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    nodes: { type: 'string', default: '3' },
    name: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const [command] = positionals;
if (values.help || !command) {
  console.log(usage);
  process.exit(command || values.help ? 0 : 2);
}
if (process.getuid?.() !== 0) fail('the lab needs root: it creates network namespaces (run it with sudo).');
if (values.name !== undefined && !/^[a-z0-9][a-z0-9-]{0,15}$/.test(values.name))
  fail('--name: 1-16 lowercase letters, digits or dashes');

const selectedLabs = async () => (values.name ? [createLabPrefix({ name: values.name })] : await listLabs());

if (command === 'up') {
  const nodeCount = Number(values.nodes);
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 100)
    fail('--nodes: a whole number from 1 to 100');
  const lab = await createLab({ prefix: createLabPrefix({ name: values.name }), nodeCount });
  console.log(`lab ${lab.prefix} is up`);
  console.log(`  underlay  ${lab.underlay.namespace} (gateway ${lab.underlay.gatewayCidr})`);
  for (const node of lab.nodes)
    console.log(`  ${node.name.padEnd(8)}  ${node.namespace}  uplink eth0 ${node.externalIpAddr}`);
  console.log(`  outside   ${lab.outside.namespace}  ${lab.outside.ipAddr}`);
  console.log(`\nremove it with: npm run lab -- down --name ${lab.prefix.replace(/^kudo-lab-/, '')}`);
} else if (command === 'down') {
  const labs = await selectedLabs();
  if (labs.length === 0) console.log('no lab to remove');
  for (const prefix of labs) {
    const removed = await destroyLab({ prefix });
    console.log(`lab ${prefix} removed (${removed.length} namespaces)`);
  }
} else if (command === 'status') {
  const labs = await selectedLabs();
  if (labs.length === 0) console.log('no lab is up');
  for (const prefix of labs) {
    console.log(`lab ${prefix}`);
    for (const { namespace, links } of await describeLab({ prefix })) {
      const summary = links
        .map((link) => `${link.name}${link.addresses.length ? ` ${link.addresses.join(',')}` : ''}`)
        .join('; ');
      console.log(`  ${namespace}: ${summary || 'no links'}`);
    }
  }
} else {
  fail(`unknown command '${command}'`);
}
