# The seed chat room (../shared/seed, "Tornado框架10-WebSocket"), its ChatHandler exactly as written, served on
# 127.0.0.1:<port>/chat so the benchmark can drive it like the other peers. Run with Debian's python3-tornado:
#   /usr/bin/python3 bench/peers/seed.py 8001
import sys

from tornado.ioloop import IOLoop
from tornado.web import Application
from tornado.websocket import WebSocketHandler


class ChatHandler(WebSocketHandler):
    users = []
    def open(self, *args, **kwargs):
        #将登陆的用户存储到用户列表
        self.users.append(self)
        for u in self.users:
            u.write_message("[%s]登陆聊天室"%(self.request.remote_ip))
    def on_close(self):
        self.users.remove(self)
        for u in self.users:
            u.write_message("[%s]离开聊天室"%(self.request.remote_ip))
    def on_message(self, message):
        for u in self.users:
            u.write_message("[%s]说：%s"%(self.request.remote_ip, message))
    def check_origin(self,origin):
        #允许WebSocket的跨域请求
        return True


if __name__ == "__main__":
    Application([(r"/chat", ChatHandler)]).listen(int(sys.argv[1]), address="127.0.0.1")
    print("listening", flush=True)
    IOLoop.current().start()
