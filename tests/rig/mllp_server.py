"""An HL7 MLLP receiver for the capture rig: the asyncio MLLP server of the PyPI `hl7` package,
answering every message with an ACK (MSA|AA) until it is killed.

Usage: python mllp_server.py ADDRESS PORT [PORT...]
"""

import asyncio
import sys

import hl7
from hl7.mllp import start_hl7_server


async def answer(reader, writer):
    try:
        while not writer.is_closing():
            message = await reader.readmessage()
            writer.writemessage(message.create_ack())
            await writer.drain()
    except asyncio.IncompleteReadError:
        pass
    finally:
        if not writer.is_closing():
            writer.close()


async def main(address, ports):
    servers = [await start_hl7_server(answer, host=address, port=p) for p in ports]
    print("listening", address, *ports, flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    assert hl7.__version__
    asyncio.run(main(sys.argv[1], [int(p) for p in sys.argv[2:]]))
