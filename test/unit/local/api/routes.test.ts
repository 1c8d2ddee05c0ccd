import { describe, expect, it } from 'vitest';
import { RouteTable } from '#local/api/routes.ts';

const noop = () => {};

describe('RouteTable', () => {
  it('binds :name segments and matches the method', () => {
    // Prepare
    const routes = new RouteTable();
    routes.add('post', '/releases/:id/approve', noop);
    // Act
    const match = routes.match('POST', '/releases/r%2D1/approve');
    // Assess
    expect(match?.params).toEqual({ id: 'r-1' });
    expect(routes.match('GET', '/releases/r-1/approve')).toBeUndefined();
    expect(routes.match('POST', '/releases/r-1')).toBeUndefined();
  });

  it('binds the rest of the path to a trailing *', () => {
    const routes = new RouteTable();
    routes.add('GET', '/console/*', noop);
    expect(routes.match('GET', '/console/assets/app.js')?.params).toEqual({ '*': 'assets/app.js' });
    expect(routes.match('GET', '/console')?.params).toEqual({ '*': '' });
  });

  it('matches routes in the order they were added', () => {
    const first = () => {};
    const routes = new RouteTable();
    routes.add('GET', '/releases/latest', first);
    routes.add('GET', '/releases/:id', noop);
    expect(routes.match('GET', '/releases/latest')?.handler).toBe(first);
  });

  it('names the methods that serve a path, for a 405', () => {
    const routes = new RouteTable();
    routes.add('GET', '/releases/:id', noop);
    routes.add('POST', '/releases/canary', noop);
    routes.add('POST', '/releases/:strategy', noop);
    expect(routes.methodsFor('/releases/canary')).toEqual(['GET', 'HEAD', 'POST']);
    expect(routes.methodsFor('/releases/r-1/approve')).toEqual([]);
  });

  it('answers HEAD with the GET route, as a client checking a page expects', () => {
    const page = () => {};
    const routes = new RouteTable();
    routes.add('POST', '/releases/:id', noop);
    routes.add('GET', '/releases/:id', page);
    expect(routes.match('HEAD', '/releases/r-1')).toEqual({ handler: page, params: { id: 'r-1' } });
    expect(routes.match('HEAD', '/nowhere')).toBeUndefined();
  });

  it('refuses patterns that do not start with / or have * before the end', () => {
    const routes = new RouteTable();
    expect(() => routes.add('GET', 'releases', noop)).toThrow(/must start with "\/"/);
    expect(() => routes.add('GET', '/a/*/b', noop)).toThrow(/may only end/);
  });
});
