import { startTestApp, type TestApp } from '../support/test-app';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
  security?: Record<string, unknown>[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { required?: string[]; properties?: Record<string, { properties?: Record<string, { enum?: string[] }>; required?: string[] }> }> };
}

const ERROR_REF = '#/components/schemas/ErrorResponse';

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let operations: { key: string; op: Operation }[];

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/docs-json').expect(200)).body as OpenApiDocument;
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
    );
  });
  afterAll(() => t.close());

  /** Per operation, the statuses that are missing, or documented without the shared error schema. */
  function problems(check: (op: Operation, key: string) => number[]): Record<string, string[]> {
    const found: Record<string, string[]> = {};
    for (const { key, op } of operations) {
      const issues: string[] = [];
      for (const status of check(op, key)) {
        const response = op.responses[String(status)];
        if (!response) issues.push(`${status} missing`);
        else if (response.content?.['application/json']?.schema?.$ref !== ERROR_REF) issues.push(`${status} not ErrorResponse`);
      }
      if (issues.length > 0) found[key] = issues;
    }
    return found;
  }

  it('has one error schema, ErrorResponse {error: {code, message, details}} with the contract codes', () => {
    const errorSchemas = Object.keys(doc.components.schemas).filter((name) => /error/i.test(name));
    expect(errorSchemas).toEqual(['ErrorResponse']);
    expect(doc.components.schemas.ErrorResponse.required).toEqual(['error']);
    const error = doc.components.schemas.ErrorResponse.properties!.error;
    expect(Object.keys(error.properties!).sort()).toEqual(['code', 'details', 'message']);
    expect(error.required).toEqual(['code', 'message']);
    expect(error.properties!.code.enum).toEqual(expect.arrayContaining(['validationFailed', 'unauthorized', 'notFound', 'optedOut', 'internal']));
  });

  it('documents every 4xx/5xx answer of every operation with ErrorResponse, 500 included', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(problems((op) => [500, ...Object.keys(op.responses).map(Number).filter((status) => status >= 400)])).toEqual({});
  });

  it('documents 401 and 403 on every JWT route', () => {
    const jwt = operations.filter(({ op }) => op.security?.some((s) => 'bearer' in s));
    expect(jwt.length).toBeGreaterThan(20);
    expect(problems((op) => (op.security?.some((s) => 'bearer' in s) ? [401, 403] : []))).toEqual({});
    expect(operations.filter(({ key }) => key.includes(' /api/v1/') && !jwt.some((j) => j.key === key)).map(({ key }) => key)).toEqual([]);
  });

  it('documents 404 where an id is looked up, 400 where input is validated, 413 and 415 on JSON bodies', () => {
    expect(problems((op) => (op.parameters?.some((p) => p.in === 'path') ? [404] : []))).toEqual({});
    expect(problems((op) => (op.requestBody || op.parameters?.some((p) => p.in === 'query') ? [400] : []))).toEqual({});
    expect(problems((op) => (op.requestBody?.content?.['application/json'] ? [413, 415] : []))).toEqual({});
  });

  it('POST /api/v1/messages lists Idempotency-Key once, optional, and its 409 and 422', () => {
    const send = doc.paths['/api/v1/messages'].post;
    const keys = (send.parameters ?? []).filter((p) => p.name.toLowerCase() === 'idempotency-key');
    expect(keys).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false })]);
    expect(problems((op, key) => (key === 'POST /api/v1/messages' ? [400, 409, 413, 415, 422] : []))).toEqual({});
  });

  it('documents what the vendor-facing webhook endpoints answer', () => {
    expect(problems((op, key) => (key === 'POST /webhooks/{channel}/{providerId}' ? [400, 404, 413, 503] : []))).toEqual({});
    expect(problems((op, key) => (key === 'GET /webhooks/{channel}/{providerId}' ? [403, 404] : []))).toEqual({});
    expect(problems((op, key) => (key === 'GET /health/ready' ? [503] : []))).toEqual({});
  });
});
