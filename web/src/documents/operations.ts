/**
 * The documents operations the pages send (typed by the client preset; each is also an entry of the
 * trusted-documents manifest). Mutations answer the job with its document's new status and jobs, so
 * the normalised cache updates every view of that document without a refetch.
 */
import { graphql } from '../gql/index.ts';

export const DocumentJobFieldsFragment = graphql(`
  fragment DocumentJobFields on DocumentJob {
    id
    status
    progress
    attempts
    failureReason
    text
    pageCount
    createdAt
    finishedAt
  }
`);

export const DocumentFieldsFragment = graphql(`
  fragment DocumentFields on Document {
    id
    filename
    contentType
    size
    status
    createdAt
    jobs {
      ...DocumentJobFields
    }
  }
`);

/** What a mutation on a job answers: the job, and its document's new status and jobs (for every view of it). */
export const JobWithDocumentFieldsFragment = graphql(`
  fragment JobWithDocumentFields on DocumentJob {
    ...DocumentJobFields
    document {
      id
      status
      jobs {
        ...DocumentJobFields
      }
    }
  }
`);

export const MyDocumentsQuery = graphql(`
  query MyDocuments($first: Int!) {
    myDocuments(first: $first) {
      edges {
        node {
          ...DocumentFields
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

export const CreateDocumentUploadMutation = graphql(`
  mutation CreateDocumentUpload($input: DocumentUploadInput!) {
    createDocumentUpload(input: $input) {
      document {
        ...DocumentFields
      }
      uploadUrl
      uploadHeaders {
        name
        value
      }
      expiresAt
    }
  }
`);

export const SubmitDocumentMutation = graphql(`
  mutation SubmitDocument($id: ID!) {
    submitDocument(id: $id) {
      ...JobWithDocumentFields
    }
  }
`);

export const ReprocessDocumentMutation = graphql(`
  mutation ReprocessDocument($id: ID!) {
    reprocessDocument(id: $id) {
      ...JobWithDocumentFields
    }
  }
`);

export const DeleteDocumentMutation = graphql(`
  mutation DeleteDocument($id: ID!) {
    deleteDocument(id: $id)
  }
`);

/** Asked for at the click: the presigned GET lives 5 minutes, so one fetched with the list may be stale. */
export const DocumentDownloadQuery = graphql(`
  query DocumentDownload($id: ID!) {
    document(id: $id) {
      id
      downloadUrl
    }
  }
`);

export const DocumentJobUpdatedSubscription = graphql(`
  subscription DocumentJobUpdated($jobId: ID!) {
    documentJobUpdated(jobId: $jobId) {
      ...DocumentJobFields
      document {
        id
        status
      }
    }
  }
`);
