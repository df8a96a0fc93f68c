// File hash rules of catalogue contec-cms8000 1.5.0, compiled by iocc.
// Scan a folder with: yara -r contec-cms8000.yar <folder>
import "hash"

rule contec_cms8000_monitor_binary
{
    meta:
        id = "monitor-binary"
        catalogue = "contec-cms8000"
        advisory = "ICSMA-25-030-01"
        tlp = "TLP:CLEAR"
        hash_type = "sha256"
        hash = "4e42d3b131bd10d8f192d2d15c23bd68164c1bf3daf3c33803b8e81cb4d896ad"
        role = "The `monitor` binary holding the NFS mount logic"
        description = "SHA-256 from the metadata of the public YARA rule MAL_Contec_CMS8000_Backdoor_Feb25, which matches the string \"mount -o nolock -t nfs <ip>:/pm /mnt\" in the firmware."
        severity = "high"
        confidence = "sourced"
        date = "2025-01-30"
        modified = "2025-02-25"
        cve = "CVE-2025-0626"
        reference = "https://github.com/mgreen27/100daysofyara/blob/main/2025/MAL_Contec_CMS8000_Backdoor.yar"
    condition:
        hash.sha256(0, filesize) == "4e42d3b131bd10d8f192d2d15c23bd68164c1bf3daf3c33803b8e81cb4d896ad"
}
