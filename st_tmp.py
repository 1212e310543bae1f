import asyncio, time, tempfile
from tests.core.test_lifecycle import hearth_run
from tests.platforms.slack_fakes import mock_slack_api
async def main():
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite+aiosqlite:///{d}/h.db"
        async with mock_slack_api() as api:
            for i in range(4):
                t = time.perf_counter()
                async with hearth_run(api, url) as served:
                    ready = time.perf_counter() - t
                    served.process.terminate(); await served.process.wait()
                print(f"run {i}: ready in {ready:.2f} s")
asyncio.run(main())
