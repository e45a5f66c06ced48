import type { IncomingMessage } from 'node:http';
import { expect } from 'chai';
import { actingAs, requestActor, systemActor, type Principal } from '../../../src/lib/request-actor.js';

const BOB: Principal = { userId: 3, username: 'bob', isAdmin: true };

function fakeRequest(headers: Record<string, string>, remoteAddress = '192.0.2.1'): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe('request actor builders', () => {
  it('requestActor takes the protocol, principal, client address and user agent of a request', () => {
    const req = fakeRequest({ 'x-forwarded-for': '198.51.100.4', 'user-agent': 'Microsoft-WebDAV-MiniRedir/10.0' });
    expect(requestActor(req, 'webdav', BOB, false)).to.deep.equal({ principal: BOB, protocol: 'webdav', address: '192.0.2.1', userAgent: 'Microsoft-WebDAV-MiniRedir/10.0' });
    expect(requestActor(req, 'tus', null, true)).to.deep.include({ principal: null, protocol: 'tus', address: '198.51.100.4' });
  });

  it('requestActor leaves the user agent out when the client sent none', () => {
    expect(requestActor(fakeRequest({}), 'api', null, false)).to.not.have.property('userAgent');
  });

  it('actingAs keeps the caller and changes only the principal, on a new object', () => {
    const caller = requestActor(fakeRequest({ 'user-agent': 'curl/8' }), 'webdav', null, false);
    const signedIn = actingAs(caller, BOB);
    expect(signedIn).to.deep.equal({ ...caller, principal: BOB });
    expect(signedIn).to.not.equal(caller);
    expect(caller.principal).to.equal(null);
  });

  it('systemActor has no user and no client, and names its operator only when given one', () => {
    expect(systemActor()).to.deep.equal({ principal: null, protocol: 'system' });
    expect(systemActor('scheduler')).to.deep.equal({ principal: null, protocol: 'system', operator: 'scheduler' });
    expect(systemActor()).to.not.equal(systemActor());
  });
});
