export {
  createLab,
  createLabPrefix,
  describeLab,
  destroyLab,
  type Lab,
  listLabs,
  listNamespaces,
} from './lab.js';
export { type LabNode, type LabPlan, labUnderlayNetwork, planLab } from './lab-plan.js';
