export { listNamespaces } from '../kernel/namespaces.js';
export { createLab, createLabPrefix, describeLab, destroyLab, type Lab, listLabs } from './lab.js';
export { type LabHost, type LabNode, type LabPlan, labUnderlayNetwork, planLab } from './lab-plan.js';
