import type { Metadata } from 'next';
import { PortMappingsPage } from '../../../components/port-mappings/port-mappings-page';

export const metadata: Metadata = { title: 'Port mappings' };

export default function Page() {
  return <PortMappingsPage />;
}
