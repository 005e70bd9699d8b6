import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachEngine, json } from '../support/harness.ts';

// PostHog answers content as orjson renders json.loads(jsonb::text): keys in jsonb order on a
// retrieve, the request's order in the create/update echo, floats as Python writes them.
describeEachEngine('notebook content as PostHog renders it', (env) => {
  const raw = '{"title":"Numbers","content":{"type":"doc","zeta":1,"b":[42.0,1E5,1.50,1e-5,7,-0.0],"content":[]}}';

  it('echoes the request content in request key order with Python floats on create', async () => {
    const response = await env().request({
      method: 'POST',
      url: env().url(),
      payload: raw,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.statusCode, 201, response.body);
    assert.match(
      response.body,
      /"content":\{"type":"doc","zeta":1,"b":\[42\.0,100000\.0,1\.5,1e-05,7,-0\.0\],"content":\[\]\}/,
    );
  });

  it('answers a retrieve with jsonb key order and the numbers jsonb kept', async () => {
    const created = json<{ short_id: string }>(
      await env().request({
        method: 'POST',
        url: env().url(),
        payload: raw,
        headers: { 'content-type': 'application/json' },
      }),
    );
    const response = await env().request({ method: 'GET', url: env().url(`${created.short_id}/`) });
    assert.equal(response.statusCode, 200);
    // jsonb: shorter keys first ("b", "type", "zeta", "content"); 1E5 was dumped by Python as
    // 100000.0 and stays a float; -0.0 becomes 0.0 in numeric.
    assert.match(
      response.body,
      /"content":\{"b":\[42\.0,100000\.0,1\.5,1e-05,7,0\.0\],"type":"doc","zeta":1,"content":\[\]\}/,
    );
  });

  it('keeps integers and plain documents byte for byte', async () => {
    const content = {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'é "quoted" \\ \n tab\t' }] }],
    };
    const created = json<{ short_id: string; content: unknown }>(
      await env().request({ method: 'POST', url: env().url(), payload: { content } }),
    );
    assert.deepEqual(created.content, content);
    const fetched = await env().request({ method: 'GET', url: env().url(`${created.short_id}/`) });
    assert.deepEqual(json(fetched).content, content);
  });
});
