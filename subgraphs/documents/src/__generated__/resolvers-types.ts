import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Document as DocumentModel, DocumentJob as DocumentJobModel, UserRef as UserRefModel } from '../domain/document.ts';
import type { Context } from '../graphql/context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 date-time in UTC. */
  DateTime: { input: Date; output: Date; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** A file a user uploaded for text extraction. Owned by the documents subgraph. */
export type Document = {
  __typename?: 'Document';
  contentType: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  /**
   * A short-lived (5 min) link that downloads the submitted file — as an attachment
   * (`Content-Disposition: attachment` with `filename`) of type `contentType`, never to be shown as a
   * page; null until it is submitted.
   */
  downloadUrl: Maybe<Scalars['String']['output']>;
  /** The name the file was uploaded with; never used as a storage path. */
  filename: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** Processing runs, newest first. */
  jobs: Array<DocumentJob>;
  owner: User;
  /** Size in bytes. */
  size: Scalars['Int']['output'];
  status: DocumentStatus;
};

export type DocumentConnection = {
  __typename?: 'DocumentConnection';
  edges: Array<DocumentEdge>;
  pageInfo: PageInfo;
};

export type DocumentEdge = {
  __typename?: 'DocumentEdge';
  cursor: Scalars['String']['output'];
  node: Document;
};

/** One text-extraction run over a document. */
export type DocumentJob = {
  __typename?: 'DocumentJob';
  attempts: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  document: Document;
  /** Why the job failed, when it did. */
  failureReason: Maybe<Scalars['String']['output']>;
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  pageCount: Maybe<Scalars['Int']['output']>;
  /** 0..100 */
  progress: Scalars['Int']['output'];
  status: JobStatus;
  /** Extracted text, once `COMPLETED`. */
  text: Maybe<Scalars['String']['output']>;
};

export type DocumentStatus =
  | 'FAILED'
  | 'PROCESSED'
  | 'PROCESSING'
  | 'UPLOADED'
  /** Waiting for the client to upload the file. */
  | 'UPLOADING';

export type DocumentUpload = {
  __typename?: 'DocumentUpload';
  document: Document;
  expiresAt: Scalars['DateTime']['output'];
  /** The headers the `PUT` must carry, exactly: `Content-Type`, the document's `contentType`. */
  uploadHeaders: Array<UploadHeader>;
  /**
   * Send the file's bytes here with `PUT`, with the headers of `uploadHeaders`, before `expiresAt`. The
   * type and the size are signed into the URL: the storage refuses (403) a `Content-Type` other than
   * the document's `contentType` and a body of other than `size` bytes (HTTP clients set
   * `Content-Length` from the body). Until the document is submitted, a new `PUT` replaces the file.
   */
  uploadUrl: Scalars['String']['output'];
};

export type DocumentUploadInput = {
  /** The file's MIME type, e.g. `application/pdf`. */
  contentType: Scalars['String']['input'];
  filename: Scalars['String']['input'];
  /** Size in bytes. */
  size: Scalars['Int']['input'];
};

export type JobStatus =
  | 'COMPLETED'
  | 'FAILED'
  | 'PENDING'
  | 'RUNNING';

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Starts an upload: validates the file's name, type (plain text, PDF, PNG, JPEG, DOCX) and size
   * (25 MB at most by default) and returns the document (`UPLOADING`) with a presigned URL to `PUT`
   * exactly those bytes to, with `uploadHeaders`, before `expiresAt`. Then call `submitDocument`.
   */
  createDocumentUpload: DocumentUpload;
  /**
   * Deletes the file and the document with its jobs. Anything still `PUT` to its upload URL before the
   * URL expires belongs to no document (it is never processed nor served) and is removed after.
   */
  deleteDocument: Scalars['Boolean']['output'];
  /** Queues a new text extraction of a submitted document. */
  reprocessDocument: DocumentJob;
  /**
   * Takes the uploaded file as it is now, checks it (present, of the declared size, really of the
   * declared type) and queues its text extraction. From then on the document keeps that file: a later
   * `PUT` to the upload URL changes nothing that is processed or downloaded. Submitting again returns
   * the latest job. `BAD_USER_INPUT` when the file is missing, of another size or another type (upload
   * it again to the same URL while it is valid, then submit again).
   */
  submitDocument: DocumentJob;
};


export type MutationCreateDocumentUploadArgs = {
  input: DocumentUploadInput;
};


export type MutationDeleteDocumentArgs = {
  id: Scalars['ID']['input'];
};


export type MutationReprocessDocumentArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSubmitDocumentArgs = {
  id: Scalars['ID']['input'];
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** A document you own (any, for an admin); null when there is none you may see. */
  document: Maybe<Document>;
  /**
   * Text-extraction jobs that failed for good (every retry spent, or a file that cannot be read),
   * newest first: the worker's dead-letter list. Admin only.
   */
  failedDocumentJobs: Array<DocumentJob>;
  /** Your documents, newest first. */
  myDocuments: DocumentConnection;
};


export type QueryDocumentArgs = {
  id: Scalars['ID']['input'];
};


export type QueryFailedDocumentJobsArgs = {
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryMyDocumentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * Follows one text-extraction job of your documents (any, for an admin). The first event is the
   * job as it is now — so a move made just before you subscribed is not missed — then one per move:
   * `RUNNING` with its `progress`, then `COMPLETED` (with `text` and `pageCount`) or `FAILED` (with
   * `failureReason`). Moves arrive in order and never go back; a retry (after an error or a worker
   * crash) counts as a move forward: `attempts` goes up and `progress` starts again from 0. When the
   * job moves faster than you read, you may skip to its latest state. Completes after `COMPLETED` or
   * `FAILED` (at once, after the first event, for a job already finished), and when the document is
   * deleted. Errors: `BAD_USER_INPUT` for an id that is not a UUID, `NOT_FOUND` when there is no such
   * job, `FORBIDDEN` for a job of someone else's document.
   */
  documentJobUpdated: DocumentJob;
  /**
   * Follows one of your documents (any, for an admin) through all its processing runs. The first
   * event is the document as it is now, then one per move of any of its jobs — `status` follows the
   * job (`PROCESSING` while it runs, then `PROCESSED` or `FAILED`), and `jobs` shows each job as it is
   * at that event. `reprocessDocument` starts a new job, so a `PROCESSED` document may become
   * `PROCESSING` again: this subscription does not complete on its own; it completes only when the
   * document is deleted. Each job's moves arrive in order and never go back. Errors as for
   * `documentJobUpdated` (`NOT_FOUND` when there is no such document).
   */
  documentUpdated: Document;
};


export type SubscriptionDocumentJobUpdatedArgs = {
  jobId: Scalars['ID']['input'];
};


export type SubscriptionDocumentUpdatedArgs = {
  id: Scalars['ID']['input'];
};

/** An HTTP header a request must carry. */
export type UploadHeader = {
  __typename?: 'UploadHeader';
  name: Scalars['String']['output'];
  value: Scalars['String']['output'];
};

export type User = {
  __typename?: 'User';
  /** The user's most recent documents, newest first (at most 100). */
  documents: Array<Document>;
  id: Scalars['ID']['output'];
};


export type UserDocumentsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Document: Document;
  DocumentJob: DocumentJob;
  User: User;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Document:
    ( { __typename: 'Document' }
    & GraphQLRecursivePick<FederationTypes['Document'], {"id":true}> );
  DocumentJob:
    ( { __typename: 'DocumentJob' }
    & GraphQLRecursivePick<FederationTypes['DocumentJob'], {"id":true}> );
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Document: ResolverTypeWrapper<DocumentModel>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  DocumentConnection: ResolverTypeWrapper<Omit<DocumentConnection, 'edges'> & { edges: Array<ResolversTypes['DocumentEdge']> }>;
  DocumentEdge: ResolverTypeWrapper<Omit<DocumentEdge, 'node'> & { node: ResolversTypes['Document'] }>;
  DocumentJob: ResolverTypeWrapper<DocumentJobModel>;
  DocumentStatus: DocumentStatus;
  DocumentUpload: ResolverTypeWrapper<Omit<DocumentUpload, 'document'> & { document: ResolversTypes['Document'] }>;
  DocumentUploadInput: DocumentUploadInput;
  JobStatus: JobStatus;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  UploadHeader: ResolverTypeWrapper<UploadHeader>;
  User: ResolverTypeWrapper<UserRefModel>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  DateTime: Scalars['DateTime']['output'];
  Document: DocumentModel;
  String: Scalars['String']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  DocumentConnection: Omit<DocumentConnection, 'edges'> & { edges: Array<ResolversParentTypes['DocumentEdge']> };
  DocumentEdge: Omit<DocumentEdge, 'node'> & { node: ResolversParentTypes['Document'] };
  DocumentJob: DocumentJobModel;
  DocumentUpload: Omit<DocumentUpload, 'document'> & { document: ResolversParentTypes['Document'] };
  DocumentUploadInput: DocumentUploadInput;
  Mutation: Record<PropertyKey, never>;
  Boolean: Scalars['Boolean']['output'];
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  Subscription: Record<PropertyKey, never>;
  UploadHeader: UploadHeader;
  User: UserRefModel;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DocumentResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Document'] = ResolversParentTypes['Document'], FederationReferenceType extends FederationReferenceTypes['Document'] = FederationReferenceTypes['Document']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Document']> | FederationReferenceType, FederationReferenceType, ContextType>;
  contentType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  downloadUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  filename?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  jobs?: Resolver<Array<ResolversTypes['DocumentJob']>, ParentType, ContextType>;
  owner?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  size?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['DocumentStatus'], ParentType, ContextType>;
}>;

export type DocumentConnectionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['DocumentConnection'] = ResolversParentTypes['DocumentConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['DocumentEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type DocumentEdgeResolvers<ContextType = Context, ParentType extends ResolversParentTypes['DocumentEdge'] = ResolversParentTypes['DocumentEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Document'], ParentType, ContextType>;
}>;

export type DocumentJobResolvers<ContextType = Context, ParentType extends ResolversParentTypes['DocumentJob'] = ResolversParentTypes['DocumentJob'], FederationReferenceType extends FederationReferenceTypes['DocumentJob'] = FederationReferenceTypes['DocumentJob']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['DocumentJob']> | FederationReferenceType, FederationReferenceType, ContextType>;
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  document?: Resolver<ResolversTypes['Document'], ParentType, ContextType>;
  failureReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  pageCount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  progress?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JobStatus'], ParentType, ContextType>;
  text?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type DocumentUploadResolvers<ContextType = Context, ParentType extends ResolversParentTypes['DocumentUpload'] = ResolversParentTypes['DocumentUpload']> = ResolversObject<{
  document?: Resolver<ResolversTypes['Document'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  uploadHeaders?: Resolver<Array<ResolversTypes['UploadHeader']>, ParentType, ContextType>;
  uploadUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  createDocumentUpload?: Resolver<ResolversTypes['DocumentUpload'], ParentType, ContextType, RequireFields<MutationCreateDocumentUploadArgs, 'input'>>;
  deleteDocument?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationDeleteDocumentArgs, 'id'>>;
  reprocessDocument?: Resolver<ResolversTypes['DocumentJob'], ParentType, ContextType, RequireFields<MutationReprocessDocumentArgs, 'id'>>;
  submitDocument?: Resolver<ResolversTypes['DocumentJob'], ParentType, ContextType, RequireFields<MutationSubmitDocumentArgs, 'id'>>;
}>;

export type PageInfoResolvers<ContextType = Context, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  document?: Resolver<Maybe<ResolversTypes['Document']>, ParentType, ContextType, RequireFields<QueryDocumentArgs, 'id'>>;
  failedDocumentJobs?: Resolver<Array<ResolversTypes['DocumentJob']>, ParentType, ContextType, RequireFields<QueryFailedDocumentJobsArgs, 'last'>>;
  myDocuments?: Resolver<ResolversTypes['DocumentConnection'], ParentType, ContextType, RequireFields<QueryMyDocumentsArgs, 'first'>>;
}>;

export type SubscriptionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = ResolversObject<{
  documentJobUpdated?: SubscriptionResolver<ResolversTypes['DocumentJob'], "documentJobUpdated", ParentType, ContextType, RequireFields<SubscriptionDocumentJobUpdatedArgs, 'jobId'>>;
  documentUpdated?: SubscriptionResolver<ResolversTypes['Document'], "documentUpdated", ParentType, ContextType, RequireFields<SubscriptionDocumentUpdatedArgs, 'id'>>;
}>;

export type UploadHeaderResolvers<ContextType = Context, ParentType extends ResolversParentTypes['UploadHeader'] = ResolversParentTypes['UploadHeader']> = ResolversObject<{
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type UserResolvers<ContextType = Context, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  documents?: Resolver<Array<ResolversTypes['Document']>, ParentType, ContextType, RequireFields<UserDocumentsArgs, 'first'>>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = Context> = ResolversObject<{
  DateTime?: GraphQLScalarType;
  Document?: DocumentResolvers<ContextType>;
  DocumentConnection?: DocumentConnectionResolvers<ContextType>;
  DocumentEdge?: DocumentEdgeResolvers<ContextType>;
  DocumentJob?: DocumentJobResolvers<ContextType>;
  DocumentUpload?: DocumentUploadResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  UploadHeader?: UploadHeaderResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
}>;

