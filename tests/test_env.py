"""The environment fingerprint: every field present, absent facts None, nvidia-smi parsed or absent."""
import subprocess
import sys

import pytest
import torch

from arena import env, telemetry

NVSMI = ("0, GPU-1a2b3c4d-0000-1111-2222-333344445555, NVIDIA H200, 570.124.06, 1980, 3201, 1980, 34, 118.52\n"
         "1, GPU-99999999-0000-1111-2222-333344445555, NVIDIA H200, 570.124.06, 345, 3201, 1980, [N/A], "
         "[Not Supported]\n")


def test_environment_and_commit_still_work():
    e = env.environment()
    assert {"python", "platform", "machine", "cpu", "cpus", "torch"} <= set(e)
    commit = env.git_commit()
    assert commit is None or len(commit) == 40


def test_fingerprint_has_every_field_on_cpu(monkeypatch):
    monkeypatch.setattr(env, "gpu_telemetry", lambda *a, **k: pytest.fail("no GPU query for a CPU run"))
    fp = env.fingerprint("cpu", threads=2)
    assert set(env.FINGERPRINT_FIELDS) <= set(fp) and set(env.environment()) <= set(fp)
    assert fp["device"] == "cpu" and fp["threads"] == 2 and fp["device_name"] == env.cpu_model()
    assert fp["torch"] == torch.__version__
    assert env.fingerprint()["threads"] == torch.get_num_threads()
    assert fp["cpu_mhz"] is None or fp["cpu_mhz"] > 0
    if not torch.cuda.is_available():
        assert all(fp[k] is None for k in env.GPU_FIELDS)
        assert env.fingerprint("cuda")["device_name"] is None  # asked for, not there: None, not guessed


def test_parse_nvidia_smi():
    rows = telemetry.parse_nvidia_smi(NVSMI)
    assert len(rows) == 2
    a, b = rows
    assert a == {"index": 0, "uuid": "GPU-1a2b3c4d-0000-1111-2222-333344445555", "gpu": "NVIDIA H200",
                 "gpu_driver": "570.124.06", "gpu_sm_clock_mhz": 1980, "gpu_mem_clock_mhz": 3201,
                 "gpu_sm_clock_max_mhz": 1980, "gpu_temp_c": 34.0, "gpu_power_w": pytest.approx(118.52)}
    assert b["gpu_temp_c"] is None and b["gpu_power_w"] is None and b["gpu_sm_clock_mhz"] == 345
    assert telemetry.parse_nvidia_smi("garbage\n\n") == []


def _fake_smi(monkeypatch, stdout, returncode=0):
    calls = []

    def run(cmd, **kw):
        calls.append((cmd, kw))
        return subprocess.CompletedProcess(cmd, returncode, stdout=stdout, stderr="")
    monkeypatch.setitem(sys.modules, "pynvml", None)  # pynvml not importable: the nvidia-smi path
    monkeypatch.setattr(telemetry.shutil, "which", lambda name: "/usr/bin/nvidia-smi")
    monkeypatch.setattr(telemetry.subprocess, "run", run)
    return calls


def test_gpu_telemetry_through_fake_nvidia_smi(monkeypatch):
    calls = _fake_smi(monkeypatch, NVSMI)
    t = telemetry.gpu_telemetry("1a2b3c4d-0000-1111-2222-333344445555")  # torch's UUID has no GPU- prefix
    assert t["gpu_telemetry"] == "nvidia-smi" and t["gpu_driver"] == "570.124.06"
    assert t["gpu_sm_clock_mhz"] == 1980 and t["gpu_temp_c"] == 34.0 and t["gpu_power_w"] == pytest.approx(118.52)
    cmd, kw = calls[0]
    assert "--format=csv,noheader,nounits" in cmd and kw["timeout"] <= 10
    second = telemetry.gpu_telemetry("GPU-99999999-0000-1111-2222-333344445555")
    assert second["gpu_sm_clock_mhz"] == 345 and second["gpu_power_w"] is None
    # two GPUs and no UUID: which one torch uses is unknown, so nothing is reported
    assert all(v is None for v in telemetry.gpu_telemetry(None).values())


def test_nvidia_smi_absent_or_failing(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)
    monkeypatch.setattr(telemetry.shutil, "which", lambda name: None)
    monkeypatch.setattr(telemetry.subprocess, "run", lambda *a, **k: pytest.fail("nvidia-smi is not there"))
    t = telemetry.gpu_telemetry(None)
    assert set(t) == set(env.GPU_FIELDS) and all(v is None for v in t.values())

    _fake_smi(monkeypatch, "", returncode=9)
    assert all(v is None for v in telemetry.gpu_telemetry(None).values())

    def timeout(cmd, **kw):
        raise subprocess.TimeoutExpired(cmd, kw.get("timeout"))
    monkeypatch.setattr(telemetry.subprocess, "run", timeout)
    assert all(v is None for v in telemetry.gpu_telemetry(None).values())


def test_fingerprint_on_a_faked_gpu(monkeypatch):
    """The cuda path with torch's device queries and nvidia-smi both faked: the fields line up."""
    import uuid as _uuid

    class Props:
        name = "NVIDIA H200"
        uuid = _uuid.UUID("1a2b3c4d-0000-1111-2222-333344445555")
    _fake_smi(monkeypatch, NVSMI)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda i: Props())
    monkeypatch.setattr(env, "environment", lambda: {"python": "3", "platform": "p", "machine": "m",
                                                     "cpu": "c", "cpus": 2, "torch": torch.__version__})
    fp = env.fingerprint("cuda:0", threads=1)
    assert set(env.FINGERPRINT_FIELDS) <= set(fp)
    assert fp["device_name"] == fp["gpu"] == "NVIDIA H200" and fp["gpu_driver"] == "570.124.06"
    assert fp["gpu_mem_clock_mhz"] == 3201 and fp["gpu_telemetry"] == "nvidia-smi"


def test_pynvml_is_preferred_when_importable(monkeypatch):
    class FakeNvml:
        NVML_CLOCK_SM, NVML_CLOCK_MEM, NVML_TEMPERATURE_GPU = 1, 2, 0
        nvmlInit = nvmlShutdown = staticmethod(lambda: None)
        nvmlDeviceGetCount = staticmethod(lambda: 1)
        nvmlDeviceGetHandleByIndex = staticmethod(lambda i: "h")
        nvmlDeviceGetName = staticmethod(lambda h: b"Tesla T4")
        nvmlSystemGetDriverVersion = staticmethod(lambda: "535.1")
        nvmlDeviceGetClockInfo = staticmethod(lambda h, c: {1: 1590, 2: 5000}[c])
        nvmlDeviceGetMaxClockInfo = staticmethod(lambda h, c: 1590)
        nvmlDeviceGetTemperature = staticmethod(lambda h, s: 41)

        @staticmethod
        def nvmlDeviceGetPowerUsage(h):
            raise RuntimeError("not supported")
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml)
    monkeypatch.setattr(telemetry.shutil, "which", lambda name: pytest.fail("pynvml answered"))
    t = telemetry.gpu_telemetry(None)
    assert t["gpu_telemetry"] == "pynvml" and t["gpu"] == "Tesla T4" and t["gpu_sm_clock_mhz"] == 1590
    assert t["gpu_mem_clock_mhz"] == 5000 and t["gpu_temp_c"] == 41.0 and t["gpu_power_w"] is None


def test_cpu_readers_never_raise():
    mhz = telemetry.cpu_mhz()
    temp, sensor = telemetry.cpu_temperature()
    assert mhz is None or mhz > 0
    assert (temp is None) == (sensor is None)
