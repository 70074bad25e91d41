import type { Metadata } from 'next';
import { InstanceDetailPage } from '../../../../components/instances/instance-detail-page';

type Props = { params: Promise<{ instanceId: string }> };

export const generateMetadata = async ({ params }: Props): Promise<Metadata> => ({
  title: `Instance ${decodeURIComponent((await params).instanceId)}`,
});

export default async function Page({ params }: Props) {
  return <InstanceDetailPage instanceId={decodeURIComponent((await params).instanceId)} />;
}
