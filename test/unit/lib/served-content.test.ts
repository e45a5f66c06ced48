import { parse } from 'content-disposition';
import { expect } from 'chai';
import { isPassiveType, SERVED_FILE_CSP, servedFileHeaders } from '../../../src/lib/served-content.js';

describe('served content: which stored files may render on nasd\'s origin', () => {
  it('treats only raster images, audio, video and text/plain as passive', () => {
    for (const t of ['image/png', 'image/jpeg', 'IMAGE/GIF', 'image/webp', 'text/plain; charset=utf-8', 'audio/mpeg', 'video/mp4']) expect(isPassiveType(t), t).to.equal(true);
    const active = [
      'text/html', 'text/html; charset=utf-8', 'application/xhtml+xml', 'image/svg+xml', 'application/xml', 'text/xml', 'text/javascript',
      'application/javascript', 'application/pdf', 'text/css', 'application/octet-stream', 'text/xsl', 'application/x-shockwave-flash', 'multipart/x-mixed-replace', '',
    ];
    for (const t of active) expect(isPassiveType(t), t).to.equal(false);
  });

  it('always sandboxes, never sniffs, and makes active types attachments with a safe file name', () => {
    expect(SERVED_FILE_CSP).to.equal("sandbox; default-src 'none'");
    const html = servedFileHeaders('a"b\r\nX: y.html', 'text/html; charset=utf-8');
    expect(html).to.include({ 'Content-Security-Policy': SERVED_FILE_CSP, 'X-Content-Type-Options': 'nosniff', 'Cross-Origin-Resource-Policy': 'same-origin' });
    expect(html['Content-Disposition']).to.not.match(/[\r\n]/);
    expect(parse(html['Content-Disposition']).type).to.equal('attachment');
    const png = servedFileHeaders('p.png', 'image/png');
    expect(png['Content-Security-Policy']).to.equal(SERVED_FILE_CSP);
    expect(png).to.not.have.property('Content-Disposition');
  });
});
