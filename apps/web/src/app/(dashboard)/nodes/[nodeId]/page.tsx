import type { Metadata } from 'next';
import { NodeDetailPage } from '../../../../components/nodes/node-detail-page';

type Props = { params: Promise<{ nodeId: string }> };

export const generateMetadata = async ({ params }: Props): Promise<Metadata> => ({
  title: `Node ${decodeURIComponent((await params).nodeId)}`,
});

export default async function Page({ params }: Props) {
  return <NodeDetailPage nodeId={decodeURIComponent((await params).nodeId)} />;
}
