/**
 * The OpenAPI 3.1 document of the v1 API, generated from the route table and its zod schemas.
 *
 * @module
 */

import { z } from 'zod';
import type { RouteSpec } from './routes.js';

const ERROR = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
    },
  },
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

/** Builds the document. */
export function openApiDocument(routes: readonly RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const parameters: Record<string, unknown>[] = [...route.path.matchAll(/:(\w+)/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (route.query) {
      const query = jsonSchema(route.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(query.properties ?? {}))
        parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
    }
    if (route.path === '/v1/deletion-requests' && route.method === 'POST')
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 200 },
        description: 'a retry with the same key and body returns the first request instead of filing a second',
      });
    const responses: Record<string, unknown> = {
      [String(route.status)]: {
        description: 'success',
        content: { 'application/json': { schema: { type: 'object' } } },
      },
      400: {
        description: 'malformed JSON or a body/query that does not match the schema',
        content: { 'application/json': { schema: ERROR } },
      },
      401: { description: 'missing or invalid bearer token', content: { 'application/json': { schema: ERROR } } },
      403: {
        description: `the token's role may not do this (allowed: ${route.roles.join(', ')})`,
        content: { 'application/json': { schema: ERROR } },
      },
    };
    if (route.method === 'POST') {
      responses[413] = { description: 'body over the size limit', content: { 'application/json': { schema: ERROR } } };
      responses[422] = {
        description: 'unacceptable content (e.g. unknown or non-member ids, listed in details)',
        content: { 'application/json': { schema: ERROR } },
      };
    }
    if (route.path.includes(':'))
      responses[404] = { description: 'unknown resource', content: { 'application/json': { schema: ERROR } } };
    paths[path] ??= {};
    paths[path]![route.method.toLowerCase()] = {
      summary: route.summary,
      security: [{ bearer: [] }],
      'x-roles': route.roles,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } }
        : {}),
      responses,
    };
  }
  paths['/v1/openapi.json'] = {
    get: { summary: 'This document', security: [], responses: { 200: { description: 'the OpenAPI document' } } },
  };
  paths['/v1/health'] = {
    get: {
      summary: 'Liveness: the service is up and the ledger opens',
      security: [],
      responses: { 200: { description: 'ok' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'tmu deletion-request service',
      version,
      description:
        'Deletion requests for trained classifiers: filed, batched, unlearned with TMU, evaluated, piloted and promoted, with an audit ledger.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'a token from `tmu ledger token create`' },
      },
    },
    paths,
  };
}
