/** How urgent an alert is; channels filter on it. */
export type AlertSeverity = 'info' | 'warning' | 'critical';
export const SEVERITIES: readonly AlertSeverity[] = ['info', 'warning', 'critical'];

export type RuleFamily = 'raid' | 'smart' | 'fans' | 'storage' | 'backup' | 'scheduler' | 'security' | 'smb' | 'alerts';
export const FAMILIES: readonly RuleFamily[] = ['raid', 'smart', 'fans', 'storage', 'backup', 'scheduler', 'security', 'smb', 'alerts'];

/**
 * Who sees an alert: `admins`; `user` (the user it is about, in-app only); `user+admins` (that
 * user in-app, admins in-app and through the channels).
 */
export type AlertAudience = 'admins' | 'user' | 'user+admins';

/**
 * `condition` rules are opened and closed by the evaluation loop (or a reporter such as SMB) as
 * their condition comes and goes; `event` rules record something that happened and close when an
 * admin acknowledges them.
 */
export type RuleKind = 'condition' | 'event';

export interface AlertRule {
  id: string;
  family: RuleFamily;
  severity: AlertSeverity;
  kind: RuleKind;
  audience: AlertAudience;
  /** Title template: `{key}` is replaced by the subject (array, disk, user…). */
  title: string;
  whatToDo: string;
  /** Whether channels get a "resolved" notice when it closes (the severe ones). */
  notifyOnClose: boolean;
}

const rule = (r: Omit<AlertRule, 'kind' | 'audience' | 'notifyOnClose'> & Partial<AlertRule>): AlertRule => ({
  kind: 'condition',
  audience: 'admins',
  notifyOnClose: r.severity === 'critical',
  ...r,
});

/** Every rule nasd knows, by id. Ids are stable: they are stored with alerts and snoozes. */
export const RULES: readonly AlertRule[] = [
  rule({ id: 'raid.degraded', family: 'raid', severity: 'critical', title: 'RAID array {key} is degraded', whatToDo: 'The array runs without redundancy: one more disk failure loses data. Replace the failed member (Storage → RAID) and let the rebuild finish; check that backups are current.' }),
  rule({ id: 'raid.member_failed', family: 'raid', severity: 'critical', title: 'RAID member {key} failed or was removed', whatToDo: 'Check the disk\u2019s SMART report and cabling, then replace the disk and add the new one to the array.' }),
  rule({ id: 'raid.rebuilding', family: 'raid', severity: 'info', notifyOnClose: true, title: 'RAID array {key} is rebuilding', whatToDo: 'Nothing to do: avoid heavy load and do not remove disks until the rebuild finishes.' }),
  rule({ id: 'raid.inactive', family: 'raid', severity: 'critical', title: 'RAID array {key} is inactive', whatToDo: 'The array is not serving data. Check that all member disks are present, then assemble it (mdadm --assemble) or ask for help before forcing anything.' }),
  rule({ id: 'raid.mismatches', family: 'raid', severity: 'warning', title: 'Scrub found mismatches on {key}', whatToDo: 'The last scrub counted mismatched sectors. Check the disks\u2019 SMART reports; run a repair scrub if the disks are healthy.' }),
  rule({ id: 'raid.scrub_overdue', family: 'raid', severity: 'warning', title: 'RAID array {key} has not been scrubbed for too long', whatToDo: 'Regular scrubs find unreadable sectors while redundancy can still repair them. Check that the raid.scrub job is enabled and succeeds (Jobs), or start a scrub (Storage \u2192 RAID).' }),
  rule({ id: 'smart.warning', family: 'smart', severity: 'warning', title: 'Disk {key} shows SMART warnings', whatToDo: 'Watch the disk: open its SMART report. If a counter keeps growing, plan a replacement; acknowledge the warning if the value is known and stable.' }),
  rule({ id: 'smart.failing', family: 'smart', severity: 'critical', title: 'Disk {key} is failing', whatToDo: 'Back up its data now and replace the disk. If it is a RAID member, replace it in the array.' }),
  rule({ id: 'smart.selftest_failed', family: 'smart', severity: 'critical', title: 'A SMART self-test failed on {key}', whatToDo: 'The disk could not read its own surface. Back up its data and replace it.' }),
  rule({ id: 'smart.temperature', family: 'smart', severity: 'warning', title: 'Disk {key} is too hot', whatToDo: 'Check the fans, the airflow and the room temperature.' }),
  rule({ id: 'smart.disappeared', family: 'smart', severity: 'critical', title: 'Disk {key} disappeared', whatToDo: 'A disk that was present no longer answers. Check its power and data cables and the kernel log.' }),
  rule({ id: 'fans.failsafe', family: 'fans', severity: 'critical', title: 'Fan {key} is in failsafe', whatToDo: 'nasd drives the fan at full speed because its sensor failed. Check the sensor driver (hwmon) and the fan.' }),
  rule({ id: 'fans.sensor_stale', family: 'fans', severity: 'warning', title: 'Sensor for fan {key} is stale', whatToDo: 'The temperature sensor stopped updating. Check the hwmon driver.' }),
  rule({ id: 'storage.quota_90', family: 'storage', severity: 'warning', audience: 'user', title: 'You have used 90 % of your quota', whatToDo: 'Delete files you no longer need or ask an administrator for more space.' }),
  rule({ id: 'storage.quota_100', family: 'storage', severity: 'warning', audience: 'user+admins', notifyOnClose: false, title: 'User {key} has used all of their quota', whatToDo: 'Uploads by this user fail. Raise their quota or ask them to free space.' }),
  rule({ id: 'storage.filesystem_90', family: 'storage', severity: 'warning', title: 'The storage filesystem is over 90 % full', whatToDo: 'Free space or add capacity before it fills up.' }),
  rule({ id: 'storage.filesystem_95', family: 'storage', severity: 'critical', title: 'The storage filesystem is over 95 % full', whatToDo: 'Writes will fail soon. Free space now or add capacity.' }),
  rule({ id: 'storage.reconcile_drift', family: 'storage', severity: 'warning', kind: 'event', title: 'Reconcile found usage drift', whatToDo: 'Files changed behind nasd\u2019s back (another program or a restore). Usage was corrected; check what wrote to the storage directly.' }),
  rule({ id: 'backup.failed', family: 'backup', severity: 'warning', notifyOnClose: true, title: 'Backup of user data to {key} failed', whatToDo: 'No new version was made; the earlier ones are intact. Check that the backup disk is mounted and writable and has free space, read the error in the backup.user-data job\u2019s history (Jobs), then run it again.' }),
  rule({ id: 'scheduler.job_failing', family: 'scheduler', severity: 'warning', title: 'Job {key} failed several times in a row', whatToDo: 'Open the job\u2019s run history (Jobs) for the error and fix its cause.' }),
  rule({ id: 'scheduler.job_missed', family: 'scheduler', severity: 'warning', title: 'Job {key} did not run when it should have', whatToDo: 'Its due time passed long ago and nothing ran it. Check that at least one nasd process has the scheduler enabled and look at its log; run the job by hand (Jobs) meanwhile.' }),
  rule({ id: 'security.login_throttled', family: 'security', severity: 'warning', kind: 'event', title: 'Login throttling triggered for {key}', whatToDo: 'Someone is guessing passwords. Check the audit log for the addresses; consider 2FA for the account.' }),
  rule({ id: 'security.admin_created', family: 'security', severity: 'warning', kind: 'event', title: 'New administrator account {key}', whatToDo: 'If you did not expect this, delete the account and change your password.' }),
  rule({ id: 'security.admin_2fa_disabled', family: 'security', severity: 'warning', kind: 'event', title: 'Two-factor login was disabled for administrator {key}', whatToDo: 'If this was not you, change the password and enable 2FA again.' }),
  rule({ id: 'security.refresh_reuse', family: 'security', severity: 'critical', kind: 'event', notifyOnClose: false, title: 'A stolen session token was used for {key}', whatToDo: 'A refresh token was reused, so nasd revoked the whole session. Change the account\u2019s password and check the audit log.' }),
  rule({ id: 'smb.config_refused', family: 'smb', severity: 'critical', title: 'Samba refused the generated configuration', whatToDo: 'testparm rejected smb.conf; the previous configuration stays active. Check the share names and the log.' }),
  rule({ id: 'smb.reload_failed', family: 'smb', severity: 'critical', title: 'Samba did not reload its configuration', whatToDo: 'Share changes are not live. Check that smbd runs and read its log.' }),
  rule({ id: 'alerts.channel_failing', family: 'alerts', severity: 'warning', notifyOnClose: false, title: 'Notification channel {key} is failing', whatToDo: 'Alerts are not reaching this channel. Open the channel\u2019s deliveries for the error and fix its settings, then send a test.' }),
];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

/** The rule with this id, or undefined. */
export function findRule(id: string): AlertRule | undefined {
  return BY_ID.get(id);
}

/** Whether `severity` is at least `min`. */
export function atLeast(severity: AlertSeverity, min: AlertSeverity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(min);
}

/** The rule's title for one subject. */
export function titleOf(rule: AlertRule, key: string): string {
  return rule.title.replace('{key}', key);
}
