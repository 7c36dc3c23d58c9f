/** What the auth subgraph publishes about a signing key. */
export interface PublicSigningKey {
  kid: string;
  alg: string;
  createdAt: Date;
}
