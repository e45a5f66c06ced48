import nodemailer from 'nodemailer';
import type { ChannelSecrets, EmailSettings } from '../channel-store.js';
import { htmlOf, subjectOf, textOf, type Notice } from './message.js';

/** nodemailer transport options from an `smtp://` / `smtps://` URL and the stored password. */
export function transportOptions(settings: EmailSettings, secrets: ChannelSecrets) {
  const url = new URL(settings.smtpUrl);
  const secure = url.protocol === 'smtps:';
  const user = decodeURIComponent(url.username);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    // smtps:// is TLS from the first byte; smtp:// upgrades with STARTTLS whenever the server offers it.
    secure,
    auth: user ? { user, pass: secrets.password ?? '' } : undefined,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  };
}

/** Sends one notice as a multipart (plain text + HTML) mail to every recipient of the channel. */
export async function sendEmail(settings: EmailSettings, secrets: ChannelSecrets, notice: Notice): Promise<void> {
  const transport = nodemailer.createTransport(transportOptions(settings, secrets));
  try {
    await transport.sendMail({ from: settings.from, to: settings.to, subject: subjectOf(notice), text: textOf(notice), html: htmlOf(notice) });
  } finally {
    transport.close();
  }
}
