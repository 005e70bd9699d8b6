import type { FastifyRequest } from 'fastify';
import type { Caller } from './caller.ts';

/**
 * One way a request can prove who sends it. `authenticate` answers undefined when the request
 * carries no credential of this kind, and throws the 401 when it carries a bad one; the first
 * source that finds a credential decides.
 */
export interface CredentialSource {
  authenticate(request: FastifyRequest): Promise<Caller | undefined>;
}
