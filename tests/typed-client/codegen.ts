import type { CodegenConfig } from '@graphql-codegen/cli';

// The same config docs/api.md gives a Next.js app, pointed at the repository's contract.
const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['check.ts'],
  generates: {
    './gql/': {
      preset: 'client',
      presetConfig: {
        // Also writes gql/persisted-documents.json: { "sha256:<hex>": "query FeedPage …" },
        // the manifest TRUSTED_DOCUMENTS_MANIFEST reads.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
    },
  },
};
export default config;
