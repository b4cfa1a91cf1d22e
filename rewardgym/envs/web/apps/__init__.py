"""The local web apps the web envs drive, and the ``127.0.0.1`` server that hosts them.

- :mod:`~rewardgym.envs.web.apps.site`: the shared app machinery (requests, responses, layout, sessions).
- :mod:`~rewardgym.envs.web.apps.shop`, :mod:`~rewardgym.envs.web.apps.booking`,
  :mod:`~rewardgym.envs.web.apps.mail`: the three server-rendered apps.
- :mod:`~rewardgym.envs.web.apps.server`: one stdlib HTTP server per process, a session per env.

Apps import nothing from the task generators or the backends.
"""
