// The Connect wizard's instructions, one guide per system, filled in with this server's address
// and the user's name. Each step says what to do and what the user will then see.

/** Windows' WebClient registry key (the service behind "Map network drive" for WebDAV). */
const WEBCLIENT_KEY = 'HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\WebClient\\Parameters';

/**
 * A .reg file for Windows' WebClient. FileSizeLimitInBytes 0xffffffff lifts the 50 MB default to
 * 4 GiB (the most a DWORD holds); BasicAuthLevel 2 lets it send a password over plain HTTP too.
 */
export function windowsRegFile({ basicOverHttp }) {
  const lines = ['Windows Registry Editor Version 5.00', '', `[${WEBCLIENT_KEY}]`, '"FileSizeLimitInBytes"=dword:ffffffff'];
  if (basicOverHttp) lines.push('"BasicAuthLevel"=dword:00000002');
  return lines.join('\r\n') + '\r\n';
}

/** Addresses of this server for each client's URL scheme. */
export function addresses(origin) {
  const u = new URL(origin);
  const secure = u.protocol === 'https:';
  return {
    secure,
    dav: `${origin}/dav/`,
    gnome: `${secure ? 'davs' : 'dav'}://${u.host}/dav/`,
    kde: `${secure ? 'webdavs' : 'webdav'}://${u.host}/dav/`,
    host: u.hostname,
  };
}

/** Steps per system: [{do, see, code?}] plus notes shown above them. */
export function guides(a, username) {
  const pw = 'the app password from step 2';
  return {
    windows: {
      title: 'Windows 10 and 11',
      notes: [
        a.secure
          ? 'This server uses HTTPS, which Windows needs before it sends a password (Basic authentication).'
          : 'This server is reached over plain HTTP. Windows refuses to send a password over HTTP unless you change BasicAuthLevel (see the warning below); an HTTPS address is the safe fix.',
        'Windows limits WebDAV files to 50 MB by default. The .reg file below raises the limit to 4 GiB; restart the "WebClient" service (or Windows) after importing it.',
      ],
      steps: [
        { do: 'Open File Explorer, right-click "This PC" and choose "Map network drive…".', see: 'A dialog asking for a drive letter and a folder.' },
        { do: 'Pick a drive letter and enter the folder:', code: a.dav, see: 'Tick "Reconnect at sign-in" and "Connect using different credentials", then Finish.' },
        { do: `Enter the user name ${username} and ${pw}; tick "Remember my credentials".`, see: 'The drive opens and shows "home" and the shares you can reach.' },
        { do: 'Or from a command prompt:', code: `net use Z: ${a.dav} /user:${username} * /persistent:yes`, see: 'It asks for the password and answers "The command completed successfully."' },
      ],
    },
    macos: {
      title: 'macOS',
      notes: ['Finder connects over WebDAV. Use an app password, not your account password.'],
      steps: [
        { do: 'In Finder choose Go → Connect to Server… (⌘K) and enter:', code: a.dav, see: 'A dialog asking how to connect.' },
        { do: `Choose "Registered User", enter ${username} and ${pw}; tick "Remember this password in my keychain".`, see: 'A Finder window with "home" and your shares; the server appears under Locations.' },
      ],
    },
    linux: {
      title: 'Linux (GNOME, KDE, davfs2)',
      notes: ['Desktop file managers connect directly; davfs2 mounts the server as a folder for every program.'],
      steps: [
        { do: 'GNOME Files: Other Locations → "Connect to Server", enter:', code: a.gnome, see: `A password prompt: enter ${username} and ${pw}; the server appears in the sidebar.` },
        { do: 'KDE Dolphin: type into the address bar:', code: a.kde, see: `A password prompt: enter ${username} and ${pw}.` },
        { do: 'davfs2: install it and add your credentials (readable only by root):', code: `sudo apt install davfs2\necho '${a.dav} ${username} APP-PASSWORD' | sudo tee -a /etc/davfs2/secrets\nsudo chmod 600 /etc/davfs2/secrets\nsudo mkdir -p /mnt/nas`, see: 'No output when it worked.' },
        { do: 'Add this line to /etc/fstab, then mount:', code: `${a.dav} /mnt/nas davfs rw,_netdev,uid=1000,noauto,user 0 0\nsudo mount /mnt/nas`, see: 'ls /mnt/nas lists "home" and your shares. Replace 1000 by your own uid (id -u).' },
      ],
    },
    mobile: {
      title: 'iPhone, iPad and Android',
      notes: ['The built-in Files apps of iOS and Android do not speak WebDAV. Use a file app that does (for example Documents by Readdle or FE File Explorer on iOS; Material Files or Solid Explorer on Android).'],
      steps: [
        { do: 'In the app, add a WebDAV server (sometimes called "WebDAV" or "Network → WebDAV") with the address:', code: a.dav, see: 'Fields for the server, user name and password.' },
        { do: `Enter the user name ${username} and ${pw}.`, see: 'The folders "home" and your shares.' },
      ],
    },
    rclone: {
      title: 'rclone (backups and sync)',
      notes: ['rclone talks WebDAV. The password must be stored obscured, which the command below does. With vendor=owncloud rclone keeps modification times and can compare files by checksum (rclone check) without downloading them.'],
      steps: [
        { do: 'Create the remote (replace APP-PASSWORD):', code: `rclone config create nas webdav url=${a.dav} vendor=owncloud user=${username} pass=$(rclone obscure 'APP-PASSWORD')`, see: 'rclone prints the new [nas] section.' },
        { do: 'Try it:', code: 'rclone lsd nas:\nrclone copy ~/Pictures nas:home/Pictures --progress', see: 'The first lists "home" and your shares; the second shows the transfer progress.' },
      ],
    },
  };
}
