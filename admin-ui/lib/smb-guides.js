// The Connect wizard's SMB instructions (Samba serves nasd's home and shares), per system, with
// this server's host name, the user's name and the shares they may open.

/** Which password SMB takes: the account password, or with 2FA an app password made for SMB. */
export function smbPasswordNote(needsAppPassword) {
  return needsAppPassword
    ? 'Two-factor sign-in is on, and SMB cannot ask for a code, so your account password does not open SMB: create an app password with "For SMB" ticked in step 2 and use that. SMB keeps one such password: a new one replaces the previous.'
    : 'SMB signs in with your account password (the one for this web page), not with an app password.';
}

/** SMB steps per system ({title, notes, steps: [{do, see, code?}]}); none for rclone. */
export function smbGuides(host, username, shares) {
  const home = `\\\\${host}\\home`;
  const other = shares.length > 0 ? shares.map((s) => `\\\\${host}\\${s}`).join(', ') : null;
  const also = other ? ` Your shares work the same way: ${other}.` : '';
  const url = `smb://${host}/home`;
  const alsoUrl = shares.length > 0 ? ` For a share, use smb://${host}/<share> (${shares.join(', ')}).` : '';
  const pw = 'the SMB password (see above)';
  return {
    windows: {
      title: 'Windows over SMB',
      notes: ['SMB is what Windows speaks natively: no registry change, no file-size limit.'],
      steps: [
        { do: 'Open File Explorer, right-click "This PC" and choose "Map network drive…". Enter the folder:', code: home, see: `Tick "Connect using different credentials", then Finish.${also}` },
        { do: `Enter the user name ${username} and ${pw}; tick "Remember my credentials".`, see: 'The drive opens with the files of your home.' },
        { do: 'Or from a command prompt:', code: `net use H: ${home} /user:${username} * /persistent:yes`, see: 'It asks for the password and answers "The command completed successfully."' },
      ],
    },
    macos: {
      title: 'macOS over SMB',
      notes: ['Finder speaks SMB natively; it is usually faster than WebDAV on a local network.'],
      steps: [
        { do: 'In Finder choose Go → Connect to Server… (⌘K) and enter:', code: url, see: `A dialog asking how to connect.${alsoUrl}` },
        { do: `Choose "Registered User", enter ${username} and ${pw}; tick "Remember this password in my keychain".`, see: 'A Finder window with the files of your home; the server appears under Locations.' },
      ],
    },
    linux: {
      title: 'Linux over SMB (GNOME, KDE, mount.cifs)',
      notes: ['File managers connect directly; a cifs mount makes the folder available to every program.'],
      steps: [
        { do: 'GNOME Files: Other Locations → "Connect to Server", or KDE Dolphin: the address bar. Enter:', code: url, see: `A password prompt: choose "Registered User", enter ${username} and ${pw}.${alsoUrl}` },
        { do: 'mount.cifs: install it and store your credentials (readable only by root):', code: `sudo apt install cifs-utils\nprintf 'username=${username}\\npassword=SMB-PASSWORD\\n' | sudo tee /etc/nasd-smb-credentials\nsudo chmod 600 /etc/nasd-smb-credentials\nsudo mkdir -p /mnt/nas-home`, see: 'No output when it worked (replace SMB-PASSWORD first).' },
        { do: 'Add this line to /etc/fstab, then mount:', code: `//${host}/home /mnt/nas-home cifs credentials=/etc/nasd-smb-credentials,vers=3.0,uid=1000,gid=1000,_netdev,noauto,user 0 0\nsudo mount /mnt/nas-home`, see: 'ls /mnt/nas-home lists your home. Replace 1000 by your own uid and gid (id -u, id -g).' },
        { do: 'Or mount it once, without fstab:', code: `sudo mount -t cifs //${host}/home /mnt/nas-home -o credentials=/etc/nasd-smb-credentials,vers=3.0,uid=$(id -u),gid=$(id -g)`, see: 'No output; ls /mnt/nas-home lists your home. sudo umount /mnt/nas-home ends it.' },
      ],
    },
    mobile: {
      title: 'iPhone, iPad and Android over SMB',
      notes: ['The iOS Files app speaks SMB. On Android use a file app that does (for example Material Files or Solid Explorer).'],
      steps: [
        { do: 'iOS Files: Browse → ⋯ → "Connect to Server"; Android app: add an SMB server. Enter:', code: url, see: 'Fields for the user name and password ("Registered User" on iOS).' },
        { do: `Enter the user name ${username} and ${pw}.`, see: 'The files of your home.' },
      ],
    },
  };
}
